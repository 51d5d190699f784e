"""The HTTP layer and the ``snowpath`` command. The Flask app factory arrives with the API."""
