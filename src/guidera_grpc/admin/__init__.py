"""Operators' control of the provider manager: the desk behind AdminService.

``AdminDesk`` validates each request, reads or changes the store and the running parts
(router, guard, cache, exchange rates), records who changed what, and answers protobufs.
"""

from guidera_grpc.admin.desk import AdminDesk

__all__ = ["AdminDesk"]
