"""phrases: 常用语 — the reply templates a unit and the centre keep, with placeholders filled from the
order, and the reply form's tools (templates, knowledge answers, attachments)."""
