"""The parties' portal under /p/ (CONTRACT §5 v2): mobile pages in Chinese, no staff login.

A party proves a phone with a one-time code sent by SMS; the portal then keeps a `PartySession`
(api/portal/session.py) in a signed, short-lived cookie: the phone proved and, for a case looked up by
its code, the case and the positions of its parties whose phone on record that is.
"""
