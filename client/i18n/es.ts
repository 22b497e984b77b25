/** Español. */
import type { Catalogue } from './index';

export const es: Catalogue = {
  'background.label': 'Fondo',
  'background.none': 'Sin efecto',
  'background.blur': 'Desenfocar',
  'background.sky': 'Cielo',
  'background.studio': 'Estudio',
  'background.shelves': 'Estantería',
  'background.tooSlow': 'Efecto de fondo desactivado: este dispositivo es demasiado lento para él ahora mismo',
  'background.failed': 'Los efectos de fondo no se pudieron iniciar en este navegador',
  'error.BAD_REQUEST': 'Parley no pudo entender esa solicitud. Revisa tu nombre e inténtalo de nuevo.',
  'error.ROOM_FULL': 'Esta reunión está llena',
  'error.ROOM_LOCKED': 'El anfitrión ha bloqueado esta reunión',
  'error.WRONG_PASSWORD': 'La contraseña de la reunión no es correcta',
  'error.NOT_IN_ROOM': 'Esa persona ya no está en esta reunión',
  'error.NOT_HOST': 'Solo el anfitrión puede hacer eso',
  'error.BANNED': 'Te han expulsado de esta reunión',
  'error.RATE_LIMITED': 'Demasiados intentos. Espera un momento e inténtalo de nuevo.',
  'error.PAYLOAD_TOO_LARGE': 'Es demasiado largo para enviarlo',
  'error.INTERNAL': 'Algo salió mal en el servidor. Inténtalo de nuevo.',
  'error.ASK_TO_JOIN': 'Esta reunión requiere permiso: un anfitrión tiene que dejarte entrar',
  'error.DENIED': 'Un anfitrión rechazó tu solicitud. Puedes volver a pedirlo en un minuto.',
  'error.unreachable': 'No se puede conectar con Parley. Revisa tu conexión e inténtalo de nuevo.',
  'people.count.one': '{count} persona en la reunión',
  'people.count.other': '{count} personas en la reunión',
};
