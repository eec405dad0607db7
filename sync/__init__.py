"""Sync between tills and HQ: ``protocol`` (the types both speak), ``client`` and ``till``
(the till's side: rounds, the background loop, applying pulls), ``hq`` (the service)."""
