"""The OCL-compatible repository API: sources, source versions, concepts and mappings under
``/orgs/:org/``, ``/users/:user/`` and ``/user/`` (the caller), over the same store as the
native API (docs/ocl.md). Its route table is :data:`api.ocl.routes.ROUTES`, registered by
``api.routes``; who may do what is asked of :mod:`api.ocl.access` alone."""
