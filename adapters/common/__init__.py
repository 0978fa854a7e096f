"""Pieces every vendor adapter shares: errors, secrets, the polled-vendor contract."""
