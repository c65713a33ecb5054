"""surges (突发/激增): a category × territory or a hot matter above its expected level (issue #16 item 3)."""
