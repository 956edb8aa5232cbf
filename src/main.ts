import { run } from './server.js';

run();
