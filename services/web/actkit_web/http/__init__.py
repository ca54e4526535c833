"""HTTP transport: authentication, request dependencies, middleware, limits and serving."""
