"""The built-in tool library: one module per family, loaded as toolsets."""
