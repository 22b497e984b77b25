import { MemoryRoomStore } from '../../server/rooms/memory';
import { roomStoreContract } from '../helpers/store-contract';

roomStoreContract('memory', async () => new MemoryRoomStore());
