"""`migration-lint serve`: the team's schema comparison page, on Starlette and uvicorn (the
`[web]` extra). Imported only by that command: the lint path never loads it."""
