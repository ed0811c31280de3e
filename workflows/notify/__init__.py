"""Messages to the parties (SMS, email) and to staff (in the app).

- `sms`: the SMS provider interface (`SmsProvider.send`), the providers behind it (`JIEFEN_SMS_PROVIDER`:
  `none`, `fake` — a local fake provider over HTTP, `workflows/notify/fake_sms.py` — or `aliyun`), and
  `send_sms`, which the portal's one-time codes use directly (a person waits for them).
- Every other message goes through the `notifications` outbox, written in the transaction that causes it
  and delivered after commit by the `notifications_deliver` flow.
"""
