command-start = Главное меню
command-help = Что умеет бот
command-cancel = Прервать текущее действие
