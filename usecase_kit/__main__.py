"""`python -m usecase_kit` is the `usecase-kit` command."""

from usecase_kit.cli import main

main()
