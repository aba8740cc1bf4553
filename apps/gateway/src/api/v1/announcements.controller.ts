import { Controller, Get } from '@nestjs/common';
import { Auth } from '../../auth/auth.decorator';

/**
 * Instance announcements. Only moderators make them, and moderation does not exist yet: until it
 * does there are none, which is what this answers (apps call it at launch and show nothing).
 */
@Controller('api/v1/announcements')
export class AnnouncementsController {
  @Get()
  @Auth.user('read')
  list(): never[] {
    return [];
  }
}
