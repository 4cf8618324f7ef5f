"""A Slack-compatible sink: the Web API and incoming webhooks, recording messages."""
