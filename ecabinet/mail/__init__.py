"""Email to people: invitations with their calendar event, reminders, tasks due and overdue,
and signatures awaited (`letters`), kept in an outbox until sent (`outbox`), handed to the
office's SMTP server (`smtp`) by each node's loop (`courier`)."""
