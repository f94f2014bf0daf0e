"""security_tables tables"""

from __future__ import annotations
