"""The sync engine that keeps polled vendors' orders current, and safe result downloads."""
