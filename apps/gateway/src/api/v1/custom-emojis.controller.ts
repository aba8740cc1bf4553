import { Controller, Get } from '@nestjs/common';
import type { MCustomEmoji } from '@mammut/mastodon-api';
import { Auth } from '../../auth/auth.decorator';

/** Every web client loads this at start; an empty list until custom emoji exist (404 breaks Ivory). */
@Controller('api/v1/custom_emojis')
export class CustomEmojisController {
  @Get()
  @Auth.none()
  list(): MCustomEmoji[] {
    return [];
  }
}
