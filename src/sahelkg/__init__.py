"""sahelkg: conflict actors in the Sahel and the allegations made about them, as RDF."""

__version__ = "0.1.0"
