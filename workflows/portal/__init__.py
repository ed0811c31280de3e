"""The parties' portal (/p/): the case code (一案一码), one-time codes to a phone, and their throttles."""
