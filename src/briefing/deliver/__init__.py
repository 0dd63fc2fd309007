"""Delivery: sending published editions to readers, once per reader and edition.

`send.py` runs a send, `plan.py` decides who gets what, `readers.py` reads the readers file. A
channel is a subpackage: `email/` (the message, the SMTP conversation, its settings) is the
first. Reads editions and the state store from `briefing.publish`; never builds.
"""
