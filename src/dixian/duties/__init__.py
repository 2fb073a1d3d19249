"""Duties (职责): the notice and the responsibilities it lays down."""
