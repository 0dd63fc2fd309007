"""The email channel: one message per reader and edition (`message.py`), handed to an SMTP
server (`smtp.py`) configured from the project's settings and the environment (`settings.py`).
"""
