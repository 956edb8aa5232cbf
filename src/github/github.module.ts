import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { GithubClient } from './github-client.service.js';
import { GithubIssuesService } from './github-issues.service.js';
import { GithubIssuesTools } from './github-issues.tools.js';
import { GithubTokenService } from './github-token.service.js';
import { RepoAllowList } from './repo-allow-list.js';

/**
 * GitHub issue tools acting as the signed-in person (their stored, encrypted GitHub token). AppModule
 * imports it only when people sign in with GitHub; the MCP module discovers GithubIssuesTools.
 */
@Module({ imports: [UsersModule], providers: [RepoAllowList, GithubTokenService, GithubClient, GithubIssuesService, GithubIssuesTools] })
export class GithubModule {}
