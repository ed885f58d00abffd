// Every migration, in order. New ones are appended; none is edited once released.
import { InitialSchema1763942400000 } from './0001-initial.js';
import { Media1763942400002 } from './0002-media.js';
import { Routing1763942400003 } from './0003-routing.js';
import { PendingSends1763942400004 } from './0004-pending-sends.js';
import { PartialClientIdIndex1763942400005 } from './0005-partial-client-id-index.js';

export const MIGRATIONS = [InitialSchema1763942400000, Media1763942400002, Routing1763942400003, PendingSends1763942400004, PartialClientIdIndex1763942400005];
