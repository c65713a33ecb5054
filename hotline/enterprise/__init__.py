"""涉企诉求: enterprise demands — their queue, their figures and the USCC check (国办函〔2025〕66号)."""
