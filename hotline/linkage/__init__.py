"""12345–110 联动 (issue #19 item 3): hand-offs to 110/119/120/122 with their reason, the desk's
acknowledgement and status, demands the desks hand to 12345, shared status, three-party calls (docs/linkage.md)."""
