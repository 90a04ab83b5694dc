-- Indexes for the console's keyset pages: the fleet table ordered by creation or by name walks an index and stops
-- after a page instead of sorting every screen on each request.
CREATE INDEX screens_created ON screens(created_at, id);
CREATE INDEX screens_name ON screens(name, id);
