"""The citizen portal (市民诉求网页): submit a demand, track it, read the reply, rate the outcome."""
