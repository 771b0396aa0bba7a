"""Who is who: users, their workspaces and roles, API keys, sign-in, and the `Caller` every use case acts for."""
