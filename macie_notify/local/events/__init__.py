"""Local EventBridge: Macie's finding events, rule patterns and delivery to targets."""
