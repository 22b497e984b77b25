/** Room page entry. */
const app = document.getElementById('app');
const loading = document.getElementById('loading');
if (app && loading) loading.textContent = `Meeting ${app.dataset.room ?? ''}`;
