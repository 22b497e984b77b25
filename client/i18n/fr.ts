/** Français. */
import type { Catalogue } from './index';

export const fr: Catalogue = {
  'background.label': 'Arrière-plan',
  'background.none': 'Aucun effet',
  'background.blur': 'Flou',
  'background.sky': 'Ciel',
  'background.studio': 'Studio photo',
  'background.shelves': 'Bibliothèque',
  'background.tooSlow': "Effet d'arrière-plan désactivé : cet appareil est trop lent pour le moment",
  'background.failed': "Les effets d'arrière-plan n'ont pas pu démarrer dans ce navigateur",
  'error.BAD_REQUEST': "Parley n'a pas compris cette demande. Vérifiez votre nom et réessayez.",
  'error.ROOM_FULL': 'Cette réunion est complète',
  'error.ROOM_LOCKED': "L'organisateur a verrouillé cette réunion",
  'error.WRONG_PASSWORD': "Le mot de passe de la réunion n'est pas correct",
  'error.NOT_IN_ROOM': "Cette personne n'est plus dans la réunion",
  'error.NOT_HOST': "Seul l'organisateur peut faire cela",
  'error.BANNED': 'Vous avez été retiré de cette réunion',
  'error.RATE_LIMITED': 'Trop de tentatives. Patientez un instant et réessayez.',
  'error.PAYLOAD_TOO_LARGE': "C'est trop long pour être envoyé",
  'error.INTERNAL': "Une erreur s'est produite sur le serveur. Réessayez.",
  'error.ASK_TO_JOIN': 'Cette réunion demande une autorisation : un organisateur doit vous faire entrer',
  'error.DENIED': 'Un organisateur a refusé votre demande. Vous pourrez redemander dans une minute.',
  'error.unreachable': 'Impossible de joindre Parley. Vérifiez votre connexion et réessayez.',
  'people.count.one': '{count} personne dans la réunion',
  'people.count.other': '{count} personnes dans la réunion',
};
