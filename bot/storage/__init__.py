"""Storage backends, one folder each, behind the storage port in ``bot.core.ports.storage``."""
