"""The Matrix platform (matrix-nio with E2EE): `!cop` commands in rooms and spaces, replies in
threads, direct messages, leaders' power levels."""
