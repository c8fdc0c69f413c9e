"""influencer: run virtual influencers built on the digital twins of real models."""

__version__ = "0.1.0"
