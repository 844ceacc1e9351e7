"""Plain objects and rules of credstack: issuers, micro-credential definitions, awards."""
