"""The read side of the warehouse: named queries, access and secrecy at query time."""
