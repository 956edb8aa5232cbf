import { Module } from '@nestjs/common';
import { McpSubscriptionsModule } from '../mcp/subscriptions/subscriptions.module.js';
import { NotesRepository } from './notes.repository.js';
import { NotesService } from './notes.service.js';
import { NotesTools } from './notes.tools.js';

/** Built-in tool provider: the MCP module discovers NotesTools; changes to a note reach its owner's listen streams (McpSubscriptionsModule). */
@Module({ imports: [McpSubscriptionsModule], providers: [NotesRepository, NotesService, NotesTools] })
export class NotesModule {}
