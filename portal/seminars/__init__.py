"""Follow-up seminars: schedule, sign-up with a waiting list, reminders, attendance."""
