"""View functions, one module per resource; ``api.routes`` lists their URLs."""
