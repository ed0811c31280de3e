"""What a failed delivery raises: the reason in Chinese, never the phone or address it was for."""


class SmsError(Exception):
    """An SMS not sent: `retryable` for a network failure or throttling, not for a refusal."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
