"""The IdP's views, split by concern: protocol endpoints, sign-in pages, second factor, logout."""
