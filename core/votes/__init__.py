"""Leadership governance: recall petitions, elections and secret ballots (issue 7)."""
