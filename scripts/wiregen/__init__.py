"""Code generator for TernWire's Kafka messages (driven by scripts/generate_messages.py)."""
