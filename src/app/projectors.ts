import { accountsProjector } from '../accounts/accounts-projector.js';
import { devicesProjector } from '../accounts/devices/devices-projector.js';
import { grantsProjector } from '../accounts/oauth/grants-projector.js';
import { eventTypeCounts } from '../operations/event-type-counts.js';
import type { Projector } from '../projections/projector.js';
import { subscriptionsProjector } from '../subscriptions/subscriptions-projector.js';
import { privacyProjector } from '../privacy/privacy-projector.js';
import { episodeStatesProjector } from '../playback/episode-states-projector.js';
import { playlistsProjector } from '../playlists/playlists-projector.js';
import { collectionsProjector } from '../collections/collections-projector.js';

/**
 * Every read model of the application. Bounded contexts add their projectors here; inline
 * ones are handed to the event store, async ones to the background runner.
 */
export function applicationProjectors(): Projector[] {
  return [accountsProjector(), devicesProjector(), grantsProjector(), subscriptionsProjector(), privacyProjector(), episodeStatesProjector(), playlistsProjector(), collectionsProjector(), eventTypeCounts()];
}
