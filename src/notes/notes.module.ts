import { Module } from '@nestjs/common';
import { NotesRepository } from './notes.repository.js';
import { NotesService } from './notes.service.js';
import { NotesTools } from './notes.tools.js';

/** Built-in tool provider: the MCP module discovers NotesTools; nothing else needs to change. */
@Module({ providers: [NotesRepository, NotesService, NotesTools] })
export class NotesModule {}
