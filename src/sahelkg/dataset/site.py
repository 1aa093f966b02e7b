"""Where our IRIs live (https://w3id.org/sahelkg/…) and where a service or a dump publishes them.

Below the web and the dumps, both of which rewrite IRIs with it.

>>> Site(public_base="https://kg.example.org/sahel/").public("https://w3id.org/sahelkg/id/actor/fama")
'https://kg.example.org/sahel/id/actor/fama'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from sahelkg import namespaces as ns


@dataclass(frozen=True, kw_only=True)
class Site:
    """Where our IRIs live (data_base) and where this service serves them (public_base).

    public_base None: links stay on the host that was asked (root-relative), RDF keeps our IRIs.
    public_base set:  links and RDF both use it, so the data's IRIs dereference on that host.
    """

    data_base: str = ns.BASE
    public_base: str | None = None

    def iri_for_path(self, path: str) -> str:
        """Given a request path ('id/actor/fama'), return the IRI it stands for."""
        return self.data_base + path.lstrip("/")

    def public(self, iri: str) -> str:
        """Given one of our IRIs, return it under the public base (unchanged when none is set)."""
        if self.public_base and iri.startswith(self.data_base):
            return self.public_base + iri[len(self.data_base):]
        return iri

    def href(self, iri: str) -> str:
        """Given an IRI, return the link a page should use for it."""
        if iri.startswith(self.data_base):
            rest = iri[len(self.data_base):]
            if rest.startswith("ontology#"):
                rest = "ontology" + rest[len("ontology"):]
            return (self.public_base or "/") + rest
        return iri

    def rewrite(self, term):
        """Given a term, return it with our IRIs moved under the public base."""
        if self.public_base and isinstance(term, ox.NamedNode) and term.value.startswith(self.data_base):
            return ox.NamedNode(self.public(term.value))
        return term
