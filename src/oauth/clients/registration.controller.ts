import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { Public } from '../../common/public.decorator.js';
import { ClientsService } from './clients.service.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

/** RFC 7591 dynamic client registration (open registration, as MCP clients expect). */
@Public()
@RateLimit('auth')
@Controller('register')
export class RegistrationController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  register(@Body() body: unknown): Promise<Record<string, unknown>> {
    return this.clients.register(body);
  }
}
