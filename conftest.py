"""Root pytest configuration shared by every package's tests."""

# Python 3.11.7 fails with "AST constructor recursion depth mismatch" when hypothesis is first
# imported (and assertion-rewritten) deep inside pytest's end-of-session hooks; import it early.
import hypothesis  # noqa: F401
