"""The Word writer: the document through pandoc (`writer.py`), a reference document carrying the
house styles (`reference.py`), and the finishing pass on the package's XML (`finish.py`).
"""
