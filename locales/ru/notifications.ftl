# Сообщения, которые бот отправляет сам (scheduler/render.py), и их кнопки.
notify-client-unnamed = (без имени)
notify-client-booked =
    ✅ Вы записаны!
    { $service }, мастер: { $staff }
    { $when }
notify-client-pending =
    🕓 Спасибо! Ваша заявка ждёт подтверждения:
    { $service }, мастер: { $staff }
    { $when }
    Мы напишем, как только её подтвердят.
notify-client-confirmed =
    ✅ Ваша запись подтверждена:
    { $service }, мастер: { $staff }
    { $when }
notify-client-rescheduled =
    🔁 Ваша запись перенесена:
    { $service }, мастер: { $staff }
    теперь { $when }
notify-client-cancelled =
    ❌ Ваша запись отменена:
    { $service }, мастер: { $staff }, { $when }
notify-cancel-reason = Причина: { $reason }
notify-cancel-reason-erased = клиент удалил свои данные
notify-staff-new =
    🆕 Новая запись: { $service }, { $when }
    Мастер: { $staff }
    Клиент: { $client }, { $phone }
notify-staff-rescheduled =
    🔁 Запись перенесена: { $service }, теперь { $when }
    Мастер: { $staff }
    Клиент: { $client }, { $phone }
notify-staff-cancelled =
    ❌ Запись отменена: { $service }, { $when }
    Мастер: { $staff }
    Клиент: { $client }, { $phone }
notify-staff-moved-away =
    ↪️ Запись передана другому мастеру и убрана из вашего расписания:
    { $service }, теперь { $when }, мастер: { $staff }
    Клиент: { $client }
notify-confirm-request =
    🕓 Новая запись ждёт вашего подтверждения:
    { $service }, { $when }
    Мастер: { $staff }
    Клиент: { $client }, { $phone }
# $day — "today" или "tomorrow" (день визита по местному времени относительно
# момента отправки напоминания), иначе "later"; последняя строка — всегда полная дата.
notify-reminder =
    ⏰ { $day ->
        [today] Ваш визит в { $business } — сегодня в { $time }:
        [tomorrow] Ваш визит в { $business } — завтра в { $time }:
       *[later] Напоминаем о визите в { $business }:
    }
    { $service }, мастер: { $staff }
    { $when }
notify-address = 📍 { $address }
notify-feedback-request =
    Как прошёл визит? { $service }, мастер: { $staff }, { $when }.
    Оцените его от 1 (плохо) до 5 (отлично).
notify-digest-title =
    📋 Завтра, { $day }: { $count ->
        [one] { $count } запись
        [few] { $count } записи
        [many] { $count } записей
       *[other] { $count } записи
    }
notify-digest-line = { $time } — { $service }, { $client }
notify-digest-line-pending = { $time } — { $service }, { $client } (ещё не подтверждена)
notify-button-coming = ✅ Приду
notify-button-cancel = ❌ Отменить
notify-button-reschedule = 🔁 Перенести
notify-button-confirm = ✅ Подтвердить
notify-button-decline = ❌ Отклонить

# Кнопки напоминания (bot/handlers/reminders.py).
reminder-coming-thanks = Спасибо! Ждём вас.
reminder-cancel-question = Отменить этот визит? Нажмите «Да, отменить», чтобы подтвердить.
reminder-button-cancel-yes = Да, отменить
reminder-button-keep = Нет, оставить
reminder-cancelled = Ваша запись отменена. Записаться снова можно в любой момент: /start.
reminder-kept = Хорошо, запись остаётся в силе.

# Ответ мастера на заявку (bot/handlers/confirmations.py).
confirmation-confirmed = ✅ Подтверждено. Клиент получил сообщение.
confirmation-declined = ❌ Отклонено. Клиент получил сообщение.

# Отзыв после визита (bot/handlers/feedback.py).
feedback-thanks = Спасибо за оценку!
feedback-rated = Спасибо! Ваша оценка: { $rating } из 5.
feedback-ask-comment = Хотите добавить пару слов? Ответьте на это сообщение своим комментарием.
feedback-comment-placeholder = Ваш комментарий
feedback-comment-saved = Спасибо, ваш комментарий сохранён!
feedback-error-generic = Не получилось. Попробуйте ещё раз.
feedback-error-rating = Выберите оценку от 1 до 5.
feedback-error-too-long = Комментарий слишком длинный. Уложитесь, пожалуйста, в 1000 символов.
feedback-error-nothing = Пока нечего комментировать. Сначала оцените визит.
feedback-error-not-text = Пришлите, пожалуйста, комментарий текстом.
